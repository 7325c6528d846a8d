/**
 * `@openagent/driver-interface/conformance`: the conformance suite. Run it
 * with {@link runConformance}, from vitest with `describeConformance`
 * (`@openagent/driver-interface/conformance/vitest`), or from the shell with
 * the `driver-conformance` command. Nothing here imports a test framework.
 *
 * @packageDocumentation
 */
export { CONFORMANCE_CASES } from "./cases/index.js";
export { reachableOutcomes } from "./cases/concurrency.js";
export { UNREACHABLE_STATUS_REASON, unreachableReason } from "./cases/lifecycle.js";
export { METHODS_WITHOUT_ID } from "./cases/not-found.js";
export { SEMVER_PATTERN } from "./cases/identity.js";
export { logLines, TIMESTAMP_PREFIX_PATTERN } from "./cases/logs.js";
export { CONTRACT_CLAUSES, type ContractClause, type ContractClauseId } from "./clauses.js";
export { baseConfigIssues, mergeConfigInput } from "./config-input.js";
export {
  CONFORMANCE_CASE_LABEL,
  CONFORMANCE_RUN_LABEL,
  ConformanceCheckError,
  caseLabelsOf,
  check,
  checkingDriver,
  errorContractViolation,
} from "./context.js";
export {
  CLAUSE_BLOCK_END,
  clauseBlockStart,
  formatReport,
  formatResultLine,
  renderClauseCases,
  updateContractDocument,
} from "./format.js";
export { formatJsonReport } from "./reporters/json.js";
export { escapeXml, formatJUnitReport } from "./reporters/junit.js";
export {
  createProgressReporter,
  formatProgressLine,
  type ProgressOutput,
  type ProgressState,
} from "./reporters/progress.js";
export { formatDuration, formatSummaryLine } from "./reporters/table.js";
export {
  closeDriver,
  DEFAULT_CASE_TIMEOUT_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_CONFORMANCE_IMAGE,
  DEFAULT_IDLE_COMMAND,
  DEFAULT_POLL_INTERVAL_MS,
  describeDriver,
  resolveConformanceOptions,
  runCase,
  runConformance,
  summarize,
} from "./runner.js";
export { CaseScheduler, runOrder } from "./schedule.js";
export {
  checkUnsupported,
  matchesCaseKey,
  selectCases,
  skipReasonFor,
  unsupportedReasonFor,
  withDriverDefaults,
} from "./selection.js";
export { CONFORMANCE_TIERS } from "./types.js";
export type {
  CaseContext,
  ConformanceCase,
  ConformanceDriverInfo,
  ConformanceOptions,
  ConformanceProgress,
  ConformanceReport,
  ConformanceResult,
  ConformanceStatus,
  ConformanceTier,
  DriverFactory,
  HookedStatus,
  ResolvedConformanceOptions,
  StatusArrangers,
  UnsupportedCases,
} from "./types.js";
