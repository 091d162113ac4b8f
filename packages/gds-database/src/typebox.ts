/**
 * `@gds/database/typebox`: the parts of TypeBox the core loads only when it needs them, as an
 * entry point of its own in the published bundle: the validator (`Check`, `Errors`: for an
 * invalid value, or a schema outside {@link quickCheck}'s subset) and the builders (for argument
 * shapes outside {@link typeBuilders}' subset). Internal: not API; use `typebox` directly.
 *
 * @module
 */
export { Check, Errors } from 'typebox/value';
export { Literal, Object, Optional, Record } from 'typebox';
