; Conventions contract: see queries/python/conventions.scm. Also @catch a catch clause,
; @throw a throw statement, @statement a statement that may end with a semicolon,
; @module_declaration a `const`/`let` declaration at module level (exported or not).

(catch_clause) @catch
(throw_statement) @throw
(string) @string
(await_expression) @await
[
  (expression_statement)
  (lexical_declaration)
  (variable_declaration)
  (return_statement)
  (import_statement)
  (throw_statement)
  (break_statement)
  (continue_statement)
] @statement
(program (lexical_declaration) @module_declaration)
(program (export_statement declaration: (lexical_declaration) @module_declaration))
