// Validates sandbox responses against GitLab's own OpenAPI subset, relaxed only where GitLab's
// README (test data dir) documents that the real API differs from the description.
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; type?: string };

const doc = JSON.parse(readFileSync('/work/shared/gitlab-api/openapi-subset.json', 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: unknown) => ({ type: 'array', items });

/** Documented differences (README "Known differences" and GitLab's API docs examples). */
const OVERRIDES: Record<string, Record<string, unknown>> = {
  APIEntitiesCiRunnerDetails: {
    tag_list: arrayOf({ type: 'string' }),
    run_untagged: { type: 'boolean' },
    locked: { type: 'boolean' },
    maximum_timeout: { type: 'integer' },
    projects: arrayOf(ref('APIEntitiesBasicProjectDetails')),
    groups: arrayOf(ref('APIEntitiesBasicGroupDetails')),
  },
  APIEntitiesCiRunnerRegistrationDetails: { id: { type: 'integer' } },
  APIEntitiesUserPublic: {
    followers: { type: 'integer' },
    following: { type: 'integer' },
    identities: arrayOf(ref('APIEntitiesIdentity')),
    scim_identities: arrayOf(ref('APIEntitiesScimIdentity')),
    last_activity_on: { type: 'string', format: 'date' },
  },
  APIEntitiesUser: { followers: { type: 'integer' }, following: { type: 'integer' } },
  APIEntitiesPersonalAccessToken: { expires_at: { type: 'string', format: 'date' } },
  APIEntitiesCiPipelineSchedule: { inputs: arrayOf(ref('APIEntitiesCiInput')) },
  // Docs example of a schedule's details: "variables": [{...}] (a list, as inputs).
  APIEntitiesCiPipelineScheduleDetails: {
    inputs: arrayOf(ref('APIEntitiesCiInput')),
    variables: arrayOf(ref('APIEntitiesCiVariable')),
  },
  APIEntitiesProjectsWithAccessAndCatalogSetting: {
    custom_attributes: arrayOf(ref('APIEntitiesCustomAttribute')),
    // Docs show integer access levels ({"access_level": 40, "notification_level": 3}), null when not a member.
    permissions: {
      type: 'object',
      properties: Object.fromEntries(
        ['project_access', 'group_access'].map((k) => [
          k,
          {
            anyOf: [
              { type: 'null' },
              {
                type: 'object',
                properties: { access_level: { type: 'integer' }, notification_level: { type: 'integer' } },
              },
            ],
          },
        ]),
      ),
    },
  },
  // Docs example: "project": {"ci_job_token_scope_enabled": false}
  APIEntitiesCiJob: { project: { type: 'object', properties: { ci_job_token_scope_enabled: { type: 'boolean' } } } },
  APIEntitiesContainerExpirationPolicy: { enabled: { type: 'boolean' }, keep_n: { type: 'integer' } },
};

/** GitLab's description never says `nullable`, yet GitLab sends null for unset values. */
function relax(schema: Schema, name: string): Schema {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...(schema.properties ?? {}), ...(OVERRIDES[name] ?? {}) })) {
    properties[key] = { anyOf: [value, { type: 'null' }] };
  }
  return { ...schema, properties: properties as Schema['properties'] };
}

const schemas: Record<string, Schema> = {};
for (const [name, schema] of Object.entries(doc.components.schemas)) schemas[name] = relax(schema, name);

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'gitlab', components: { schemas } });
const validators = new Map<string, ValidateFunction>();

/** Throws with ajv's errors when `body` does not match the named schema. */
export function assertSchema(name: string, body: unknown): void {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `gitlab#/components/schemas/${name}` });
    validators.set(name, validate);
  }
  if (!validate(body))
    throw new Error(`${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
}

/** Properties the schema lists that the body lacks, minus those GitLab itself only sends sometimes. */
export function missingFields(name: string, body: Record<string, unknown>, optional: string[] = []): string[] {
  const props = Object.keys(doc.components.schemas[name].properties ?? {});
  return props.filter((p) => !(p in body) && !optional.includes(p));
}
