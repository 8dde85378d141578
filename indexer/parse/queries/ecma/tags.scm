; Capture contract: see queries/python/tags.scm. The patterns JavaScript and TypeScript
; share (their grammars name these nodes alike); each language's folder adds its own.

(class_declaration
  name: (_) @name) @definition.class

(function_declaration
  name: (identifier) @name) @definition.function

(generator_function_declaration
  name: (identifier) @name) @definition.function

(method_definition
  name: (_) @name) @definition.method

(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function body: (_) @body)
    (function_expression body: (_) @body)
    (generator_function body: (_) @body)
  ]) @definition.function

; module level; an ERROR root stands for the file of a broken parse
(program
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name) @definition.constant))

(ERROR
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name) @definition.constant))

(program
  (export_statement
    (lexical_declaration
      (variable_declarator
        name: (identifier) @name) @definition.constant)))

(ERROR
  (export_statement
    (lexical_declaration
      (variable_declarator
        name: (identifier) @name) @definition.constant)))

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (member_expression
    object: (_) @qualifier
    property: (property_identifier) @name)) @reference.call

(new_expression
  constructor: (identifier) @name) @reference.call

(new_expression
  constructor: (member_expression
    object: (_) @qualifier
    property: (property_identifier) @name)) @reference.call
