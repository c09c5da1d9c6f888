import { describe, expectTypeOf, it } from "vitest";
import type { ConfigOf, SettingsSchema } from "./config.js";
import type { JsonObject } from "./json.js";

const SETTINGS = {
  type: "object",
  properties: {
    api_key: { type: "string", secret: true, description: "key" },
    base_url: { type: "string", default: "https://x", description: "url" },
    page_size: { type: "integer", description: "rows" },
    ratio: { type: ["number", "null"], description: "maybe" },
    mode: { type: "string", enum: ["a", "b"], default: "a", description: "mode" },
    tags: { type: "array", items: { type: "string" }, description: "tags" },
    maps: { type: "object", description: "any object" },
    flag: { type: "boolean", default: false, description: "flag" },
    sql: {
      anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
      description: "sql",
    },
    mapping: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { target_schema: { type: "string" } },
      },
      description: "per stream",
    },
    schemas: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { target_schema: { type: "string" }, note: { type: "string" } },
        required: ["target_schema"],
      },
      description: "per schema, target_schema required",
    },
  },
  required: ["api_key"],
} as const satisfies SettingsSchema;

describe("ConfigOf", () => {
  it("derives the config type from the settings schema", () => {
    type Config = ConfigOf<typeof SETTINGS>;
    expectTypeOf<Config>().toEqualTypeOf<
      {
        readonly api_key: string;
        readonly base_url: string;
        readonly mode: "a" | "b";
        readonly flag: boolean;
      } & {
        readonly page_size?: number;
        readonly ratio?: number | null;
        readonly tags?: readonly string[];
        readonly maps?: JsonObject;
        readonly sql?: string | readonly string[];
        readonly mapping?: { readonly [key: string]: { readonly target_schema?: string } };
        readonly schemas?: {
          readonly [key: string]: { readonly target_schema: string } & { readonly note?: string };
        };
      }
    >();
  });
});
