; JavaScript's own patterns, joined after queries/ecma/tags.scm (and before
; queries/jsx/tags.scm). Capture contract: see queries/python/tags.scm.

(field_definition
  property: (property_identifier) @name
  value: [
    (arrow_function body: (_) @body)
    (function_expression body: (_) @body)
  ]) @definition.method

(class_heritage
  [
    (identifier) @name
    (member_expression
      object: (_) @qualifier
      property: (property_identifier) @name)
  ] @reference.inherit)
