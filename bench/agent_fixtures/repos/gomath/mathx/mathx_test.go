package mathx

import "testing"

func TestMax(t *testing.T) {
	if Max(2, 3) != 3 {
		t.Fatal("Max(2, 3) should be 3")
	}
}

func TestAbsPositive(t *testing.T) {
	if Abs(4) != 4 {
		t.Fatal("Abs(4) should be 4")
	}
}
