import type { Catalog, CatalogEntry, MetadataEntry } from "@singerkit/singer";
import { discover } from "../../src/run-tap.js";

/**
 * The discovered catalog with `selected: true` on the named streams and `selected: false` on the
 * rest; `fields` deselects fields per stream.
 */
export function catalogSelecting(
  streams: readonly string[],
  options: {
    fields?: { readonly [stream: string]: readonly string[] };
    replication?: { readonly [stream: string]: "FULL_TABLE" | "INCREMENTAL" };
  } = {},
): Catalog {
  return {
    streams: discover().streams.map((entry): CatalogEntry => {
      const selected = streams.includes(entry.tap_stream_id);
      const deselected = options.fields?.[entry.tap_stream_id] ?? [];
      const method = options.replication?.[entry.tap_stream_id];
      return {
        ...entry,
        metadata: entry.metadata.map((m): MetadataEntry => {
          if (m.breadcrumb.length === 0) {
            return {
              ...m,
              metadata: {
                ...m.metadata,
                selected,
                ...(method === undefined ? {} : { "replication-method": method }),
              },
            };
          }
          const field = m.breadcrumb[1];
          return field !== undefined && m.breadcrumb.length === 2 && deselected.includes(field)
            ? { ...m, metadata: { ...m.metadata, selected: false } }
            : m;
        }),
      };
    }),
  };
}
