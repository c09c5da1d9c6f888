// What Meltano's own meltano.yml JSON Schema allows, for the parts this project writes: plugin
// keys, capabilities per plugin type, setting keys and kinds, jobs and schedules. Written from
// that schema (Meltano 3: `$defs/plugins/extractors|loaders`, `$defs/base_setting`, `$defs/jobs`,
// `$defs/schedules`); `problems()` lists every place a project object breaks it.

const GENERIC_PLUGIN_KEYS = [
  "annotations",
  "name",
  "description",
  "plugin_type",
  "repo",
  "ext_repo",
  "inherit_from",
  "pip_url",
  "variant",
  "namespace",
  "config",
  "label",
  "logo_url",
  "python",
  "executable",
  "settings",
  "docs",
  "settings_group_validation",
  "commands",
  "requires",
  "requires_meltano",
  "env",
];
const EXTRACTOR_KEYS = [
  "catalog",
  "load_schema",
  "metadata",
  "schema",
  "state",
  "select",
  "select_filter",
  "use_cached_catalog",
  "log_parser",
  "capabilities",
];

export const MELTANO = {
  capabilities: {
    extractors: [
      "properties",
      "catalog",
      "discover",
      "state",
      "about",
      "stream-maps",
      "activate-version",
      "batch",
      "test",
      "log-based",
      "schema-flattening",
      "structured-logging",
    ],
    loaders: [
      "about",
      "stream-maps",
      "activate-version",
      "batch",
      "soft-delete",
      "hard-delete",
      "datatype-failsafe",
      "schema-flattening",
      "structured-logging",
    ],
  },
  pluginKeys: {
    extractors: [...GENERIC_PLUGIN_KEYS, ...EXTRACTOR_KEYS],
    loaders: [...GENERIC_PLUGIN_KEYS, "capabilities", "dialect"],
  },
  settingKinds: [
    "oauth",
    "date_iso8601",
    "file",
    "email",
    "integer",
    "decimal",
    "options",
    "object",
    "array",
    "boolean",
    "string",
  ],
  settingKeys: [
    "annotations",
    "name",
    "aliases",
    "label",
    "value",
    "placeholder",
    "kind",
    "description",
    "tooltip",
    "documentation",
    "hidden",
    "sensitive",
    "env",
    "value_processor",
    "value_post_processor",
    "oauth",
    "options",
  ],
  projectKeys: [
    "version",
    "annotations",
    "default_environment",
    "send_anonymous_usage_stats",
    "project_id",
    "requires_meltano",
    "database_uri",
    "python",
    "state_backend",
    "venv",
    "environments",
    "include_paths",
    "plugins",
    "schedules",
    "env",
    "jobs",
    "database_max_retries",
    "database_retry_timeout",
    "project_readonly",
    "cli",
    "elt",
    "experimental",
    "ff",
    "hub_api_root",
    "hub_url",
    "hub_url_auth",
    "snowplow",
    "auto_install",
  ],
  jobKeys: ["annotations", "name", "tasks"],
  scheduleKeys: [
    "annotations",
    "name",
    "job",
    "interval",
    "extractor",
    "loader",
    "transform",
    "start_date",
    "env",
  ],
};

/** Every way `project` (a parsed meltano.yml) breaks Meltano's schema, as "where: what" lines. */
export function problems(project) {
  const out = [];
  const unknownKeys = (object, allowed, where) => {
    for (const key of Object.keys(object ?? {}))
      if (!allowed.includes(key)) out.push(`${where}: "${key}" is not allowed here`);
  };
  unknownKeys(project, MELTANO.projectKeys, "meltano.yml");
  if (project.version !== 1)
    out.push(`meltano.yml: version must be 1, got ${JSON.stringify(project.version)}`);
  for (const type of Object.keys(project.plugins ?? {})) {
    if (!(type in MELTANO.capabilities)) {
      out.push(`plugins: "${type}" is not a plugin type this project writes`);
      continue;
    }
    for (const [i, plugin] of (project.plugins[type] ?? []).entries()) {
      const where = `plugins.${type}[${i}] (${plugin.name})`;
      if (typeof plugin.name !== "string") out.push(`${where}: name is required`);
      unknownKeys(plugin, MELTANO.pluginKeys[type], where);
      for (const capability of plugin.capabilities ?? [])
        if (!MELTANO.capabilities[type].includes(capability))
          out.push(`${where}: capability "${capability}" is not one Meltano allows for ${type}`);
      for (const [j, setting] of (plugin.settings ?? []).entries()) {
        const at = `${where}.settings[${j}] (${setting.name})`;
        if (typeof setting.name !== "string") out.push(`${at}: name is required`);
        unknownKeys(setting, MELTANO.settingKeys, at);
        if (setting.kind !== undefined && !MELTANO.settingKinds.includes(setting.kind))
          out.push(`${at}: kind "${setting.kind}" is not one Meltano allows`);
      }
    }
  }
  for (const [i, job] of (project.jobs ?? []).entries()) {
    const where = `jobs[${i}] (${job.name})`;
    unknownKeys(job, MELTANO.jobKeys, where);
    if (typeof job.name !== "string" || !Array.isArray(job.tasks))
      out.push(`${where}: a job needs a name and a list of tasks`);
  }
  for (const [i, schedule] of (project.schedules ?? []).entries()) {
    const where = `schedules[${i}] (${schedule.name})`;
    unknownKeys(schedule, MELTANO.scheduleKeys, where);
    const byJob = typeof schedule.job === "string";
    const byPair = typeof schedule.extractor === "string" && typeof schedule.loader === "string";
    if (
      typeof schedule.name !== "string" ||
      typeof schedule.interval !== "string" ||
      byJob === byPair
    )
      out.push(
        `${where}: a schedule needs a name, an interval and either a job or an extractor and a loader`,
      );
  }
  return out;
}
