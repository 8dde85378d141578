; Capture contract: see queries/python/tags.scm.

(function_declaration
  name: (identifier) @name) @definition.function

(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [
        (type_identifier) @receiver
        (generic_type type: (type_identifier) @receiver)
        (pointer_type
          [
            (type_identifier) @receiver
            (generic_type type: (type_identifier) @receiver)
          ])
      ]))
  name: (field_identifier) @name) @definition.method

(type_spec
  name: (type_identifier) @name
  type: (struct_type (field_declaration_list) @body)) @definition.struct

(type_spec
  name: (type_identifier) @name
  type: (interface_type "{" @body)) @definition.interface

(type_spec
  name: (type_identifier) @name
  type: [
    (type_identifier)
    (qualified_type)
    (generic_type)
    (pointer_type)
    (slice_type)
    (array_type)
    (map_type)
    (channel_type)
    (function_type)
  ]) @definition.type

(type_alias
  name: (type_identifier) @name) @definition.type

(method_elem
  name: (field_identifier) @name) @definition.method

; module level; an ERROR root stands for the file of a broken parse
(source_file
  (const_declaration
    (const_spec
      name: (identifier) @name) @definition.constant))

(ERROR
  (const_declaration
    (const_spec
      name: (identifier) @name) @definition.constant))

(source_file
  (var_declaration
    (var_spec
      name: (identifier) @name) @definition.constant))

(source_file
  (var_declaration
    (var_spec_list
      (var_spec
        name: (identifier) @name) @definition.constant)))

(ERROR
  (var_declaration
    (var_spec
      name: (identifier) @name) @definition.constant))

(ERROR
  (var_declaration
    (var_spec_list
      (var_spec
        name: (identifier) @name) @definition.constant)))

(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (selector_expression
    operand: (_) @qualifier
    field: (field_identifier) @name)) @reference.call

(field_declaration_list
  (field_declaration
    !name
    type: [
      (type_identifier) @name
      (pointer_type (type_identifier) @name)
      (qualified_type
        package: (package_identifier) @qualifier
        name: (type_identifier) @name)
    ] @reference.inherit))

(interface_type
  (type_elem
    [
      (type_identifier) @name
      (qualified_type
        package: (package_identifier) @qualifier
        name: (type_identifier) @name)
    ] @reference.inherit))
