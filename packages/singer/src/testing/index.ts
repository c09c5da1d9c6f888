/**
 * @singerkit/singer/testing — a target conformance kit: the project's own test streams for every
 * behaviour the Meltano SDK's standard target streams pin down, each with the exact rows and the
 * STATE rule a correct target reaches, runnable against any target through a small adapter.
 *
 * ```ts
 * for (const testCase of TARGET_CASES)
 *   it(testCase.name, () => checkCase(myAdapter, testCase));
 * ```
 */
export {
  type CaseRun,
  type ExpectedTable,
  ORDER_STATES,
  type Row,
  type RunExpectation,
  TARGET_CASES,
  type TargetCase,
  targetCase,
} from "./cases.js";
export {
  type CheckedRun,
  checkCase,
  type Destination,
  type TargetAdapter,
  type TargetRun,
} from "./check.js";
export { type Line, ndjson, recordOf, recordsIn, schemaOf, stateOf, statesIn } from "./messages.js";
