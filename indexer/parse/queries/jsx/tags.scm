; JSX patterns, joined last for JavaScript (.js, .jsx) and tsx (capture contract:
; queries/python/tags.scm). A capitalised element is a call of the component.

(jsx_opening_element
  name: [
    (identifier) @name
    (member_expression
      object: (_) @qualifier
      property: (property_identifier) @name)
  ]
  (#match? @name "^[A-Z]")) @reference.call

(jsx_self_closing_element
  name: [
    (identifier) @name
    (member_expression
      object: (_) @qualifier
      property: (property_identifier) @name)
  ]
  (#match? @name "^[A-Z]")) @reference.call
