// The checklist's fixes that act: for each, the plan shown first (what will be created, with
// which settings, and the gcloud / API equivalent to copy), then the calls once confirmed.
// Pure: the ports make the calls. A runner's glrt- token goes from GitLab straight into the
// encrypted config.toml, in memory only; no plan, sentence or log line holds a secret value.
import type { CheckId, ChecklistInput, FixRequest, KmsKeyName, ScheduleSpec, TemplateFacts } from './checklist';
import { bucketCommands, createRingAndKeyCommands, DEFAULT_BOOTSTRAP, parseKmsKeyName } from './checklist';
import { labelsFromFilter, scheduleCommand, workerCommands } from './checklist-worker';
import { runnerConfigToml } from './runner-config-check';
import { replaceSecret, type WriteOutcome } from './secret-write';
import type { SecretsPort } from './secrets';
import { ENABLE_GUEST_ATTRIBUTES } from './guest-health';
import { destinationOf, workerScript } from './worker-script';

export const ROTATION_DAYS = 90;
const DAY_MS = 86_400_000;

export interface WorkerTemplateSpec {
  name: string;
  machineType: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
}

export interface BootstrapPorts {
  createRingAndKey(k: KmsKeyName, rotationSec: number, nextRotation: number): Promise<string[]>;
  ensureBucket(spec: { name: string; project: string; location: string }): Promise<'created' | 'updated'>;
  template(project: string, name: string): Promise<TemplateFacts | undefined>;
  createTemplate(project: string, spec: WorkerTemplateSpec): Promise<void>;
  /** `requestId`: Compute's idempotency key; the same id sent again gets the first insert's operation back. */
  createVm(project: string, zone: string, name: string, template: string, requestId?: string): Promise<void>;
  createRunner(project: string | number, description: string, tags: string[]): Promise<{ id: number; token: string }>;
  createSchedule(spec: ScheduleSpec): Promise<number>;
  secrets(): Promise<SecretsPort>;
}

export interface FixContext {
  input: ChecklistInput;
  gitlabUrl: string;
  projects: Array<string | number>;
  /** Schedules that exist, for the schedules fix (only the missing ones are created). */
  existingSchedules?: Array<{ project: string | number; description: string }>;
  /** Whether the template exists (the worker fix then creates only the VM). */
  templateExists?: boolean;
}

export interface FixPlan {
  /** "Create the key ring and key". */
  title: string;
  /** The confirmation's button. */
  action: string;
  /** The confirmation's question: what will be created. */
  question: string;
  /** The read-only plan document: what, with which settings, and the equivalent to copy. */
  markdown: string;
  /** gcloud / API calls that do the same, for Terraform-minded teams. */
  equivalent: string;
  /** The check to run again afterwards. */
  check: CheckId;
}

const bootstrapOf = (ctx: FixContext) => ctx.input.bootstrap ?? DEFAULT_BOOTSTRAP;
const prefixOf = (ctx: FixContext) => ctx.input.prefix.trim();

/** Why this fix cannot be planned with the current settings (a sentence for the user), or undefined. */
export function fixProblem(request: FixRequest, ctx: FixContext): string | undefined {
  const key = parseKmsKeyName(ctx.input.kmsKey);
  if (!key) return 'runnerOps.secrets.kmsKey is not a full key name (projects/…/locations/…/keyRings/…/cryptoKeys/…).';
  if (request.kind !== 'keyRing' && !ctx.input.bucket.trim()) return 'runnerOps.secrets.bucket is not set.';
  if ((request.kind === 'registerRunner' || request.kind === 'schedules') && ctx.projects.length === 0)
    return 'runnerOps.gitlab.projects lists no project.';
  return undefined;
}

/** The worker's startup script for these settings: every required secret, the config per hostname. */
export function generatedScript(ctx: FixContext): string {
  const b = bootstrapOf(ctx);
  return workerScript({
    bucket: ctx.input.bucket.trim(),
    prefix: prefixOf(ctx),
    kmsKey: ctx.input.kmsKey.trim(),
    secrets: b.requiredSecrets.map((object) => ({ object, destination: destinationOf(object) })),
  });
}

export function workerTemplate(ctx: FixContext): WorkerTemplateSpec {
  const b = bootstrapOf(ctx);
  return {
    name: b.templateName,
    machineType: b.machineType,
    labels: labelsFromFilter(ctx.input.instanceFilter),
    // The script publishes the worker's health as guest attributes: the VM must be allowed to write them.
    metadata: { 'startup-script': generatedScript(ctx), [ENABLE_GUEST_ATTRIBUTES.key]: ENABLE_GUEST_ATTRIBUTES.value },
  };
}

const fence = (text: string, lang = 'sh') => `\`\`\`${lang}\n${text}\n\`\`\``;
const table = (rows: Array<[string, string]>) =>
  ['| Setting | Value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`)].join('\n');

function document(title: string, intro: string, rows: Array<[string, string]>, equivalent: string, extra = ''): string {
  return [
    `# ${title}`,
    intro,
    table(rows),
    extra,
    '## Equivalent commands',
    'For teams that keep infrastructure in Terraform or scripts: the same, by hand.',
    fence(equivalent),
    'Nothing is created until you confirm.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function planFix(request: FixRequest, ctx: FixContext): FixPlan {
  const key = parseKmsKeyName(ctx.input.kmsKey)!;
  const b = bootstrapOf(ctx);
  const bucket = ctx.input.bucket.trim();
  const where = `gs://${bucket}/${prefixOf(ctx)}`;
  switch (request.kind) {
    case 'keyRing': {
      const equivalent = createRingAndKeyCommands(key, ctx.input.now);
      return {
        title: 'Create the key ring and key',
        action: 'Create',
        question: `Create key ring ${key.ring} (if missing) and key ${key.key} in ${key.location}, project ${key.project}? The key encrypts and decrypts (ENCRYPT_DECRYPT) and rotates every ${ROTATION_DAYS} days.`,
        markdown: document(
          'Plan: create the KMS key ring and key',
          'Creates what is missing of the key ring and the key that encrypt the runner secrets.',
          [
            ['Project', key.project],
            ['Location', key.location],
            ['Key ring', key.ring],
            ['Key', key.key],
            ['Purpose', 'ENCRYPT_DECRYPT (symmetric)'],
            ['Rotation period', `${ROTATION_DAYS} days`],
            ['Next rotation', new Date(ctx.input.now + DAY_MS).toISOString()],
          ],
          equivalent,
        ),
        equivalent,
        check: 'key',
      };
    }
    case 'bucket': {
      const equivalent = bucketCommands(bucket, key.project, key.location, false);
      return {
        title: 'Create or update the bucket',
        action: 'Apply',
        question: `Create gs://${bucket} in ${key.location.toUpperCase()} (project ${key.project}), or update it if it exists, with versioning on, uniform bucket-level access and public access prevention enforced?`,
        markdown: document(
          'Plan: the secrets bucket',
          `Creates gs://${bucket} if it does not exist; otherwise turns on what it lacks. Nothing in it is touched.`,
          [
            ['Bucket', `gs://${bucket}`],
            ['Project', key.project],
            ['Location', key.location.toUpperCase()],
            ['Versioning', 'on (every generation kept for roll back)'],
            ['Uniform bucket-level access', 'on (IAM only, no object ACLs)'],
            ['Public access prevention', 'enforced'],
          ],
          `${equivalent}\n# or, for an existing bucket:\n${bucketCommands(bucket, key.project, key.location, true)}`,
        ),
        equivalent,
        check: 'bucket',
      };
    }
    case 'uploadSecret': {
      const equivalent = `gcloud kms encrypt --key ${key.key} --keyring ${key.ring} --location ${key.location} --project ${key.project} --plaintext-file FILE --ciphertext-file - | gcloud storage cp - ${where}${request.object}`;
      return {
        title: `Upload ${request.object}`,
        action: 'Upload',
        question: `Encrypt the chosen file with ${key.keyName} (its primary version) and write it to ${where}${request.object}? It is written only if no such object exists, then read back and decrypted to compare.`,
        markdown: '',
        equivalent,
        check: 'secrets',
      };
    }
    case 'registerRunner': {
      const project = ctx.projects[0];
      const object = `${request.worker}/config.toml.enc`;
      const equivalent = [
        `curl --request POST --header "PRIVATE-TOKEN: $GITLAB_TOKEN" --data runner_type=project_type --data project_id=PROJECT_ID --data description=${request.worker} --data tag_list=${b.runnerTags.join(',')} ${ctx.gitlabUrl.replace(/\/+$/, '')}/api/v4/user/runners`,
        `# put the returned glrt- token into config.toml ([[runners]] url = "${ctx.gitlabUrl}", executor = "shell"), then:`,
        `gcloud kms encrypt --key ${key.key} --keyring ${key.ring} --location ${key.location} --project ${key.project} --plaintext-file config.toml --ciphertext-file - | gcloud storage cp - ${where}${object}`,
      ].join('\n');
      return {
        title: `Register a runner for ${request.worker}`,
        action: 'Register',
        question: `Create a project runner "${request.worker}" in ${project} (tags ${b.runnerTags.join(', ') || 'none'}) on ${ctx.gitlabUrl}, and write its config.toml, encrypted with ${key.key}, to ${where}${object}? The runner's token goes only into that encrypted file.`,
        markdown: document(
          `Plan: register the runner for ${request.worker}`,
          'Creates the runner in GitLab (POST /user/runners) and its config.toml from the template below; the glrt- token goes straight into the encrypted file and is never shown.',
          [
            ['GitLab', ctx.gitlabUrl],
            ['Project', String(project)],
            ['Runner', `${request.worker} (project runner)`],
            ['Tags', b.runnerTags.join(', ') || '(none)'],
            ['config.toml', `${where}${object}`],
            ['Encrypted with', key.keyName],
          ],
          equivalent,
          `## config.toml template\n\n${fence(runnerConfigToml({ name: request.worker, url: ctx.gitlabUrl, runnerId: 0, token: 'glrt-…' }).replace(/^id = 0$/m, 'id = RUNNER_ID'), 'toml')}`,
        ),
        equivalent,
        check: 'secrets',
      };
    }
    case 'worker': {
      const spec = workerTemplate(ctx);
      const equivalent = workerCommands(ctx.input, spec.labels, ctx.templateExists === true);
      const project = key.project;
      const creates = ctx.templateExists
        ? `VM ${b.workerName} in ${b.zone} from template ${b.templateName}`
        : `instance template ${b.templateName} (${b.machineType}, labels ${Object.entries(spec.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}, the startup script in the plan) and VM ${b.workerName} in ${b.zone} from it`;
      return {
        title: ctx.templateExists ? `Create the worker VM ${b.workerName}` : 'Create the worker',
        action: 'Create',
        question: `Create ${creates}, in project ${project}? Review the startup script in the plan first.`,
        markdown: document(
          ctx.templateExists ? `Plan: create the worker VM ${b.workerName}` : 'Plan: the worker template and VM',
          ctx.templateExists
            ? `Creates VM ${b.workerName} from the existing template ${b.templateName}.`
            : 'Creates the instance template with the startup script below, then the VM from it. On boot the VM fetches its secrets from the bucket, decrypts them with KMS using its service account token from the metadata server, and starts gitlab-runner in Docker with the host Docker socket.',
          [
            ['Project', project],
            ['Template', b.templateName],
            ['Machine type', b.machineType],
            [
              'Labels',
              Object.entries(spec.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(', '),
            ],
            ['VM', `${b.workerName} in ${b.zone}`],
            ['Secrets from', `gs://${bucket}/${prefixOf(ctx)}`],
            ['Decrypted with', key.keyName],
          ],
          equivalent,
          ctx.templateExists
            ? ''
            : `## Startup script (startup-script.sh)\n\n${fence(spec.metadata['startup-script'].trimEnd(), 'bash')}`,
        ),
        equivalent,
        check: 'worker',
      };
    }
    case 'schedules': {
      const missing = missingSchedules(ctx);
      const equivalent = missing.map((s) => scheduleCommand(ctx.gitlabUrl, s)).join('\n');
      return {
        title: 'Create the missing schedules',
        action: 'Create',
        question: `Create ${missing.map((s) => `"${s.description}" (${s.cron}, ${s.timezone}, ref ${s.ref}) in ${s.project}`).join('; ')}?`,
        markdown: '',
        equivalent,
        check: 'schedules',
      };
    }
  }
}

function missingSchedules(ctx: FixContext): ScheduleSpec[] {
  const existing = ctx.existingSchedules ?? [];
  return bootstrapOf(ctx).schedules.filter(
    (s) => !existing.some((e) => String(e.project) === String(s.project) && e.description === s.description),
  );
}

/**
 * Applies a confirmed fix; returns the sentence saying what now exists. `file` holds an uploaded
 * secret's bytes (zeroed here). The worker's two creations are an operation: src/core/worker-fix.ts.
 */
export async function applyFix(
  request: Exclude<FixRequest, { kind: 'worker' }>,
  ctx: FixContext,
  ports: BootstrapPorts,
  file?: Uint8Array,
): Promise<string> {
  const key = parseKmsKeyName(ctx.input.kmsKey)!;
  const b = bootstrapOf(ctx);
  const bucket = ctx.input.bucket.trim();
  const prefix = prefixOf(ctx);
  switch (request.kind) {
    case 'keyRing': {
      const created = await ports.createRingAndKey(key, ROTATION_DAYS * 86_400, ctx.input.now + DAY_MS);
      return created.length
        ? `Created ${created.join(' and ')}.`
        : `Key ring ${key.ring} and key ${key.key} already existed.`;
    }
    case 'bucket': {
      const done = await ports.ensureBucket({
        name: bucket,
        project: key.project,
        location: key.location.toUpperCase(),
      });
      return `${done === 'created' ? 'Created' : 'Updated'} gs://${bucket}: versioning on, uniform bucket-level access, public access prevention enforced.`;
    }
    case 'uploadSecret':
      return written(
        request.object,
        await replaceSecret(
          await ports.secrets(),
          { objectName: `${prefix}${request.object}`, replaces: '0' },
          file ?? new Uint8Array(),
        ),
      );
    case 'registerRunner': {
      const runner = await ports.createRunner(ctx.projects[0], request.worker, b.runnerTags);
      const toml = Buffer.from(
        runnerConfigToml({ name: request.worker, url: ctx.gitlabUrl, runnerId: runner.id, token: runner.token }),
      );
      const object = `${request.worker}/config.toml.enc`;
      const result = await replaceSecret(
        await ports.secrets(),
        { objectName: `${prefix}${object}`, replaces: '0' },
        toml,
      );
      return `Registered runner #${runner.id} (${request.worker}). ${written(object, result)}`;
    }
    case 'schedules': {
      const missing = missingSchedules(ctx);
      const ids: number[] = [];
      for (const spec of missing) ids.push(await ports.createSchedule(spec));
      return `Created ${missing.map((s, i) => `schedule #${ids[i]} "${s.description}"`).join(', ')}.`;
    }
  }
}

/** The sentence for a written secret; anything else is thrown as the failure it is. */
function written(object: string, result: WriteOutcome): string {
  switch (result.outcome) {
    case 'written':
      return `${object}: generation ${result.generation.generation} written, read back and decrypted by KMS to the intended bytes.`;
    case 'conflict':
      throw new Error(`${object} already exists: nothing was overwritten (replace it from the Secrets view).`);
    case 'mismatch':
      throw new Error(
        `${object}: generation ${result.generation.generation} was written but does not decrypt to the intended bytes.`,
      );
    case 'refused':
      throw new Error(`${object} was not written: ${result.reason}`);
  }
}
