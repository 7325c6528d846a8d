/**
 * `@openagent/driver-interface/toolkit`: building blocks for driver authors,
 * each the contract's rule in code so that a driver does not re-implement it:
 *
 * - {@link LogBuffer}: a container's output with the contract's log
 *   semantics (`tail`, `since`, `timestamps`, `stream`, `maxBytes`, `follow`,
 *   `signal`, `onLine`); {@link renderLogText} for lines read from a runtime.
 * - {@link ContainerLifecycle}: per-id locks, the transition table and the
 *   errors its refusing cells name ({@link checkTransition}, {@link transitionError}).
 * - `mountTypeOf`: a mount's type when the config leaves it out (re-exported
 *   from the contract's rules).
 *
 * Everything here is also exported from the package's root.
 *
 * @packageDocumentation
 */
export { mountTypeOf } from "../contract/rules.js";
export {
  type AllowedTransition,
  ContainerLifecycle,
  type ContainerLifecycleOptions,
  checkTransition,
  OPERATION_METHODS,
  type TransitionSteps,
  transitionError,
} from "./lifecycle.js";
export { LogBuffer, type LogBufferOptions, type LogStreamName } from "./log-buffer.js";
export {
  LogWindow,
  type LogTextOptions,
  renderLogLine,
  renderLogText,
  selectLogLines,
  truncationNotice,
} from "./log-text.js";
