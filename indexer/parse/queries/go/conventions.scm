; Conventions contract: see queries/python/conventions.scm. Also @errorf a fmt.Errorf call and
; @if_err an `if err != nil { ... }` statement.

(call_expression
  function: (selector_expression
    operand: (identifier) @_pkg
    field: (field_identifier) @_fn)
  (#eq? @_pkg "fmt")
  (#eq? @_fn "Errorf")) @errorf

(if_statement
  condition: (binary_expression
    left: (identifier) @_err
    right: (nil))
  (#eq? @_err "err")) @if_err
