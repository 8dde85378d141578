; TypeScript's own patterns (tsx too), joined after queries/ecma/tags.scm. Capture
; contract: see queries/python/tags.scm.

(abstract_class_declaration
  name: (_) @name) @definition.class

(interface_declaration
  name: (_) @name) @definition.interface

(type_alias_declaration
  name: (_) @name) @definition.type

(enum_declaration
  name: (_) @name) @definition.enum

(internal_module
  name: (identifier) @name) @definition.module

(module
  name: (identifier) @name) @definition.module

(function_signature
  name: (identifier) @name) @definition.function

(method_signature
  name: (_) @name) @definition.method

(abstract_method_signature
  name: (_) @name) @definition.method

(public_field_definition
  name: (property_identifier) @name
  value: [
    (arrow_function body: (_) @body)
    (function_expression body: (_) @body)
  ]) @definition.method

(extends_clause
  value: [
    (identifier) @name
    (member_expression
      object: (_) @qualifier
      property: (property_identifier) @name)
  ] @reference.inherit)

(implements_clause
  [
    (type_identifier) @name
    (generic_type name: (type_identifier) @name)
    (nested_type_identifier
      module: (_) @qualifier
      name: (type_identifier) @name)
  ] @reference.inherit)

(extends_type_clause
  type: [
    (type_identifier) @name
    (generic_type name: (type_identifier) @name)
    (nested_type_identifier
      module: (_) @qualifier
      name: (type_identifier) @name)
  ] @reference.inherit)
