import type { SettingsSchema } from "./config.js";
import { envVarName } from "./config.js";
import { packageVersion } from "./io.js";
import type { JsonSchema } from "./schema.js";

/** What `--about` describes: the plugin, its capabilities and its settings. */
export interface AboutInfo {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly capabilities: readonly string[];
  readonly settings: SettingsSchema;
}

export type AboutFormat = "text" | "json" | "markdown";

/** This library's own version (not the plugin's): what `--about` reports as `sdk_version`. */
export const LIBRARY_VERSION = packageVersion(import.meta.url);

/** Renders `--about` in the Meltano SDK's shapes (singer.md §1.5). Secrets are never values here. */
export function renderAbout(info: AboutInfo, format: AboutFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(
        {
          name: info.name,
          description: info.description,
          version: info.version,
          sdk_version: `@singerkit/singer ${LIBRARY_VERSION}`,
          supported_node_versions: [">=20.12"],
          capabilities: info.capabilities,
          settings: info.settings,
        },
        null,
        2,
      )}\n`;
    case "markdown":
      return renderMarkdown(info);
    case "text":
      return renderText(info);
  }
}

function typeLabel(schema: JsonSchema): string {
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(branchLabel).join(" or ");
  if (schema.type === undefined) return "any";
  return typeof schema.type === "string" ? schema.type : schema.type.join(" | ");
}

/** A branch of `anyOf`: its type, or its allowed values when it lists them (`"strict"`). */
function branchLabel(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" or ");
  return typeLabel(schema);
}

function renderText(info: AboutInfo): string {
  const lines = [
    `Name: ${info.name}`,
    `Description: ${info.description}`,
    `Version: ${info.version}`,
    "Capabilities:",
    ...info.capabilities.map((capability) => `  - ${capability}`),
    "Settings:",
    ...Object.entries(info.settings.properties).map(
      ([name, spec]) =>
        `  - Name: ${name}\n    Type: ${typeLabel(spec)}\n    Environment Variable: ${envVarName(info.name, name)}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function renderMarkdown(info: AboutInfo): string {
  const required = new Set(info.settings.required ?? []);
  const rows = Object.entries(info.settings.properties).map(([name, spec]) => {
    const fallback = spec.default === undefined ? "" : `\`${JSON.stringify(spec.default)}\``;
    const secret = spec.secret === true ? " (secret)" : "";
    return `| \`${name}\` | ${required.has(name) ? "yes" : "no"} | ${cell(fallback)} | ${typeLabel(spec)} | \`${envVarName(info.name, name)}\` | ${cell(spec.description)}${secret} |`;
  });
  return [
    `# ${info.name}`,
    "",
    info.description,
    "",
    "## Capabilities",
    "",
    ...info.capabilities.map((capability) => `* \`${capability}\``),
    "",
    "## Settings",
    "",
    "| Setting | Required | Default | Type | Environment variable | Description |",
    "|:--|:--|:--|:--|:--|:--|",
    ...rows,
    "",
  ].join("\n");
}
