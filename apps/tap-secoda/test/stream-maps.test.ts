import type { JsonObject, SchemaMessage, SingerMessage } from "@singerkit/singer";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { catalogSelecting } from "./support/catalog.js";
import { type CliRun, fakeConfig, runCli } from "./support/cli.js";

const url = inject("fakeSecodaUrl");

/** The messages of one stream, STATE aside: their types, SCHEMA and records. */
function streamOf(messages: readonly SingerMessage[], stream: string) {
  const mine = messages.filter((m) => m.type !== "STATE" && m.stream === stream);
  return {
    types: mine.map((m) => m.type),
    schema: mine.find((m): m is SchemaMessage => m.type === "SCHEMA"),
    records: mine.flatMap((m) => (m.type === "RECORD" ? [m.record] : [])),
  };
}

/**
 * `__source__` through the built tap: a sync of `tags` with a copy `tags_copy` (its own map drops
 * `description`) emits both streams in full; STATE keeps the source's bookmarks only.
 */
describe("stream maps: __source__ copies a stream", () => {
  let run: CliRun;
  beforeAll(async () => {
    run = await runCli({
      config: fakeConfig(url, {
        stream_maps: { tags_copy: { __source__: "tags", description: null } },
      }),
      catalog: catalogSelecting(["tags"]),
    });
  });

  it("emits the source unchanged and the copy with its own map, message for message", () => {
    expect(run.code, run.stderr).toBe(0);
    const source = streamOf(run.messages, "tags");
    const copy = streamOf(run.messages, "tags_copy");
    expect(source.records.length).toBeGreaterThan(0);
    expect(copy.types).toEqual(source.types);
    expect(copy.schema?.key_properties).toEqual(source.schema?.key_properties);
    const { description: _, ...copied } = source.schema?.schema.properties ?? {};
    expect(copy.schema?.schema.properties).toEqual(copied);
    expect(source.schema?.schema.properties).toHaveProperty("description");
    expect(copy.records).toEqual(
      source.records.map(({ description: _d, ...rest }: JsonObject) => rest),
    );
  });

  it("STATE is not copied: bookmarks name the source stream only", () => {
    const states = run.messages.filter((m) => m.type === "STATE");
    expect(states.length).toBeGreaterThan(0);
    for (const state of states) {
      const bookmarks = (state.value as { bookmarks?: JsonObject }).bookmarks ?? {};
      expect(Object.keys(bookmarks)).not.toContain("tags_copy");
    }
  });
});
