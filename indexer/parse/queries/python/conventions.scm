; Conventions contract (conventions package): each capture names a node whose form is measured.
;   @except an except clause; @raise a raise statement; @string a string literal;
;   @function a function definition; @future a `from __future__ import` statement;
;   @await an await expression; @module_assignment an assignment statement at module level
;   (a module constant when its value is a literal); @global a `global` statement

(except_clause) @except
(raise_statement) @raise
(string) @string
(function_definition) @function
(future_import_statement) @future
(await) @await
(module
  (expression_statement
    [(assignment) (augmented_assignment)] @module_assignment))
(global_statement) @global
