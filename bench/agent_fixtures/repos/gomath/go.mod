module example.com/gomath

go 1.19
