; Capture contract (shared by every language):
;   @definition.<kind>  the whole definition node; @name its name; @body its body when the
;                       node has no `body` field; @receiver the Go receiver type
;   @reference.<kind>   a call / inherit / reference site; @name the identifier used,
;                       @qualifier the receiver or module expression before it

(class_definition
  name: (identifier) @name) @definition.class

(function_definition
  name: (identifier) @name) @definition.function

; module level; an ERROR root stands for the module of a broken file (nested ones are dropped)
(module
  (expression_statement
    (assignment
      left: (identifier) @name)) @definition.constant)

(ERROR
  (expression_statement
    (assignment
      left: (identifier) @name)) @definition.constant)

(call
  function: (identifier) @name) @reference.call

(call
  function: (attribute
    object: (_) @qualifier
    attribute: (identifier) @name)) @reference.call

(class_definition
  superclasses: (argument_list
    [
      (identifier) @name
      (attribute
        object: (_) @qualifier
        attribute: (identifier) @name)
    ] @reference.inherit))
