import type { JsonSchemaObject, JsonValue } from "@singerkit/singer";

/**
 * A filter in the grammar of Secoda's `/resource/catalog` (and audit logs), sent as URL-encoded
 * JSON in `filter` (secoda-api.md §2.1): field nodes and logical and/or/not nodes.
 */
export type Filter =
  | {
      readonly operator: "exact" | "contains";
      readonly field: string;
      readonly value: string | number | boolean;
    }
  | { readonly operator: "in"; readonly field: string; readonly value: readonly JsonValue[] }
  | { readonly operator: "is_set"; readonly field: string; readonly value: null }
  | { readonly operator: "and" | "or" | "not"; readonly operands: readonly Filter[] };

/** Server-side order, sent as URL-encoded JSON in `sort`. */
export interface Sort {
  readonly field: string;
  readonly order: "asc" | "desc";
}

/**
 * One way to split a query whose `count` exceeds the result cap into smaller ones. Every split is
 * exhaustive and disjoint, so no record can fall between partitions:
 * - `values` / `valuesFromStream`: one partition per value plus a remainder (`not in [values]`)
 *   that catches values we did not know, null included;
 * - `substrings`: halves by `field contains s` / `not (field contains s)`, one substring after
 *   the other while a half is still over the cap.
 */
export type PartitionDimension =
  | {
      /** Filter field, e.g. `type`. */
      readonly field: string;
      /** Known values; anything else lands in the remainder partition. */
      readonly values: readonly string[];
    }
  | {
      /** Filter field, e.g. `integration_id`. */
      readonly field: string;
      /** Name of another stream in the table whose record ids are the values (read, not emitted). */
      readonly valuesFromStream: string;
    }
  | {
      /** Text filter field, e.g. `title`. */
      readonly field: string;
      /** Substrings tried in order, each splitting a partition in two. */
      readonly substrings: readonly string[];
    };

/**
 * One Secoda stream, as data. The engine (sync-stream.ts) reads these fields and never the
 * stream's name; adding a stream is one entry in streams.ts plus its schema.
 */
export interface StreamDef {
  /** Singer stream name and tap_stream_id: snake_case plural (`collections`, `audit_logs`). */
  readonly name: string;
  /** One line for the README stream table and the catalog: what the records are. */
  readonly description: string;
  /** Path under the API root, including `/api/v1`, exactly as Secoda documents it. */
  readonly path: string;
  /**
   * How the list is wrapped: `paged` = an object with `results` plus `links.next` (v1) or a top-level
   * `next` (DRF); `array` = a bare JSON array in one response (custom properties).
   */
  readonly list: "paged" | "array";
  /** JSON Schema of one record; what the SCHEMA message carries (minus deselected fields). */
  readonly schema: JsonSchemaObject;
  /** Primary key fields; always emitted, whatever the catalog selects. */
  readonly keyProperties: readonly string[];
  /**
   * Date-time field for INCREMENTAL replication (bookmark per stream, records at or after it are
   * emitted). Absent: FULL_TABLE only.
   */
  readonly replicationKey?: string;
  /** Fixed `filter` sent on every request (the catalog's per-type streams). */
  readonly filter?: Filter;
  /**
   * Server-side sort sent on every request. Descending on the replication key lets an incremental
   * run stop paging at the first page older than the bookmark.
   */
  readonly sort?: Sort;
  /** Other fixed query parameters (e.g. `include_archived`). */
  readonly params?: { readonly [name: string]: string };
  /**
   * The endpoint returns at most `limit` results over all pages (the catalog: 10,000). When a
   * query's `count` exceeds it, the engine splits it along `partitionBy`, level by level.
   */
  readonly resultCap?: {
    readonly limit: number;
    readonly partitionBy: readonly PartitionDimension[];
  };
  /**
   * `admin`: non-admin keys get 403. The stream is then skipped with a warning, unless the catalog
   * selected it explicitly (`selected: true`), in which case the run fails.
   */
  readonly access?: "admin";
  /**
   * Fetch each listed record's detail (path with `{id}`) and emit that instead of the list row, for
   * endpoints whose list omits fields. A 404 on a detail skips that record with a warning.
   */
  readonly detailPath?: string;
  /**
   * The record's own URL (path with `{id}`): a deletion sweep asks it about each known id the list
   * no longer has, and only a 404 makes a tombstone (decisions-tap.md "Deletes"). Absent: the
   * detail path, else the listing alone decides.
   */
  readonly recordPath?: string;
  /** Rows are never deleted as far as the warehouse is concerned (audit logs): no sweep. */
  readonly appendOnly?: true;
  /**
   * Legacy field names the API may still send, mapped to the current ones (`from_entity` →
   * `from_entity_id`) when the current one is absent (normalise.ts).
   */
  readonly renames?: { readonly [legacy: string]: string };
  /** Synced when the catalog does not say otherwise (also: no --catalog). Default true. */
  readonly selectedByDefault?: boolean;
  /**
   * This stream's records are exactly the rows of another stream's list whose `field` equals
   * `value` (the catalog's per-type streams are slices of `resources`). When both are selected,
   * this stream is served from the other's pages instead of a read of its own
   * (catalog-fan-out.ts; decisions-tap.md "One catalog pass").
   */
  readonly subsetOf?: {
    readonly stream: string;
    readonly field: string;
    readonly value: string;
  };
}
