import { embeddedBackend } from "./backends.js";
import { sdkStreamSuite } from "./sdk-suite.js";

/**
 * The same suite against the embedded default (PGlite). Each CLI run opens the folder (~1 s of
 * WASM start-up), so to keep this file near a minute the variants that only repeat a file the
 * suite already loads are left out: encoded_string_data with nul_handling=fail,
 * no_primary_keys_append, record_missing_required_property (both halves), optional_attributes,
 * camelcase_complex_schema and schema_no_properties run on the server only.
 */
sdkStreamSuite(
  embeddedBackend(),
  new Set([
    "encoded_string_data with nul_handling=fail",
    "no_primary_keys_append",
    "record_missing_required_property",
    "optional_attributes",
    "camelcase_complex_schema",
    "schema_no_properties",
  ]),
);
