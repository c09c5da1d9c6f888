/** @repo/fake-secoda: a local fake of the Secoda API v1 for tests, demos and benchmarks. */
export { ADMIN_ENDPOINTS } from "./admin.js";
export type { Mutation, MutationResult } from "./dataset.js";
export type {
  ErrorStatus,
  FaultPlan,
  FaultScope,
  FaultTrigger,
  RateLimitFault,
} from "./fault-plan.js";
export { FaultPlanError, parseFaultPlan } from "./fault-plan.js";
export {
  CATALOG_ALIASES,
  type FilterNode,
  filterMatches,
  parseFilter,
  QueryError,
} from "./filter.js";
/** The seeded PRNG behind the data, exported for tests that need a replayable random schedule. */
export { prng } from "./ids.js";
export type { JsonObject, JsonValue } from "./json.js";
export {
  CATALOG_KINDS,
  type CatalogKind,
  countsFor,
  KIND_SPECS,
  KINDS,
  type Kind,
  type KindSpec,
} from "./kinds.js";
export { MIN_SCALE } from "./layout.js";
export type { ListShape } from "./paging.js";
export type { RecordedRequest, RequestCounters } from "./request-log.js";
export { CATALOG_CAP, matchRoute, ROUTES, type Route, type RouteMatch } from "./routes.js";
export {
  DEFAULT_START_TIME,
  type FakeSecoda,
  type FakeSecodaOptions,
  startFakeSecoda,
} from "./server.js";
