// Every interval, timeout and budget Runner Ops uses, each with why, in one object: PACE.
//
// To change one, change its number here: every user reads it from PACE, or from paceFor(settings)
// where the operator's setting matters. Tests that pin a promise (test/unit/core/pace.test.ts,
// polling.test.ts: 2 s fast, 60 s slow) then fail on purpose: update them with the new promise.
// The slow view pace is the setting `runnerOps.refresh.slowSeconds`; its bounds and default are
// SLOW_SECONDS below and in package.json (test/unit/config/settings.test.ts checks they agree).
// What must follow the slow pace (the quiet-project window) is derived in paceFor, so it holds
// for any value. Budgets and page sizes set the request counts in docs/benchmarks.md: re-run
// `npm run bench` after changing one.

/** The setting `runnerOps.refresh.slowSeconds`: package.json declares the same bounds. */
export const SLOW_SECONDS = {
  default: 60,
  /** Lower, and an idle sidebar's requests approach the fast pace's. */
  minimum: 15,
  /** Higher, and a runner gone offline stays green for too long. */
  maximum: 600,
};

/** The setting `runnerOps.logs.maxLines`, the lines a tail keeps: package.json declares the same bounds. */
export const TAIL_MAX_LINES = {
  default: 10_000,
  /** Fewer, and a boot log does not fit. */
  minimum: 100,
  /** More, and a few chatty tails hold hundreds of MB. */
  maximum: 1_000_000,
};

/** The setting `runnerOps.secrets.tokenExpiryWarningDays`: a runner token expiring sooner is flagged. */
export const TOKEN_EXPIRY_WARNING_DAYS = {
  default: 14,
  /** 0: flag only a token that has already expired. */
  minimum: 0,
  /** GitLab's longest runner token expiration interval is a year. */
  maximum: 365,
};

export interface PaceSettings {
  /** The slow view pace, in seconds (already within SLOW_SECONDS). */
  readonly slowSeconds: number;
}

export function paceFor({ slowSeconds }: PaceSettings) {
  const slowMs = slowSeconds * 1000;
  return {
    /** The fleet views' PollingScheduler (core/polling.ts). */
    views: {
      /** While something shown changes on its own (a STAGING VM, a running pipeline): see it within seconds. */
      fastMs: 2_000,
      /** While nothing moves: catches what changed elsewhere (a runner gone offline) at little cost. */
      slowMs,
      /** Ceiling of the doubling after consecutive failures: an outage costs one request per 5 minutes. */
      maxBackoffMs: 5 * 60_000,
      /**
       * On-demand views (Secrets) poll on no timer, but a read that failed is tried again after this,
       * doubling like the backoff: the view recovers on its own from a blip nobody clicks away.
       */
      failedReadRetryMs: 30_000,
    },
    /** After retry or cancel, that one pipeline is watched briefly (PollingSet) instead of refreshing everything. */
    afterAction: {
      /** GitLab answers a retry or cancel at once but updates the status within a second or two. */
      intervalMs: 1_000,
      /** Ten seconds bounds the watch, so a stuck pipeline cannot poll forever; the slow pace takes over. */
      maxPolls: 10,
    },
    /**
     * VS Code debounces a tree's change events by 200 ms and restarts that wait on every event, so
     * a view changing every 100 ms while a first load fills in would not be redrawn until it stops.
     * Each view hands VS Code at most one change per this gap (ChangePacer), so each one is redrawn at once.
     */
    treeChangeGapMs: 210,
    /**
     * VS Code's first ask for a view's roots waits this long for rows while they are still being
     * read (VS Code shows its progress bar meanwhile), before a "Loading…" row answers instead. A
     * "Loading…" row answered first costs a redraw and a change event, and each is a round trip
     * between two busy threads at first render: about 150 ms on 2 cores (docs/benchmarks.md).
     * Longer than a first read of 2,000 runners (about 1.9 s): a wait that runs out just before
     * the rows come costs that round trip on top.
     */
    treeFirstRowsHoldMs: 3000,
    /** The FleetStore (core/fleet-store.ts): what counts as fresh, and its per-refresh budgets. */
    fleet: {
      /** A view's own area: a second joins the refreshes of views shown at once instead of repeating them. */
      ownFreshMs: 1_000,
      /** Areas a view borrows (VM rows show runners): three visible views do not fetch everything three times. */
      borrowedFreshMs: 30_000,
      /**
       * A project with no pipeline in motion is re-listed at the slow pace even while a view polls fast;
       * a twelfth under the slow pace, so a timer firing a little early never skips a slow poll.
       */
      quietProjectMs: Math.round((slowMs * 11) / 12),
      /**
       * Rows a tall sidebar pane shows without scrolling. Details (a pipeline's duration and user, a
       * runner's tags, version and managers: not in GitLab's lists) are fetched for these first rows
       * in display order and for expanded rows only, so a refresh costs its list pages plus about a
       * screenful, whatever the fleet's size (docs/benchmarks.md).
       */
      visibleRows: 20,
      /**
       * A list longer than this shows its first rows and a row that lists the rest (views/rows/row-cap.ts):
       * two and a half screenfuls, problems first, while 2,000 rows take VS Code seconds to receive
       * and lay out (100 measured 2.06 s to the scale seed's first runner rows, docs/benchmarks.md).
       */
      rowsPerList: 50,
      /** Pipeline detail requests in flight, for all projects together: 20 projects are not 80 requests at once. */
      detailsParallel: 4,
      /** Jobs shown under an expanded runner: the recent ones say what it is doing. */
      runnerJobs: 10,
      /**
       * A VM's guest attributes are read when its row is expanded or its tooltip shown, never polled;
       * within a minute the last answer is reused: Compute allows 10 guest-attribute queries a minute
       * per VM, and the worker republishes them only every 5 minutes.
       */
      guestFreshMs: 60_000,
    },
    /** Log tails (core/tail/): how often each tail polls its source. */
    tails: {
      /** While new lines keep arriving. */
      fastMs: 500,
      /** Ceiling while quiet and watched: with request and render time, a new line shows within 2 s. */
      quietMs: 1_000,
      /** Ceiling while the tail's editor is hidden: nobody waits for those lines. */
      hiddenMs: 10_000,
      /** Ceiling of the doubling after consecutive failures. */
      maxErrorMs: 60_000,
      /** Google's quota errors carry no Retry-After (gax drops it): wait this long instead. */
      quotaWaitMs: 30_000,
      /** Serial console bytes the first read shows: the last screenfuls of the boot. */
      serialInitialBytes: 8 * 1024,
      /** Cloud Logging accepts entries stamped in the past: each poll looks back this far for late ones. */
      logLookbackMs: 10_000,
      /** Existing log entries the first poll shows. */
      logInitialEntries: 100,
      /** Log entries per page once caught up. */
      logPageSize: 500,
      /** Pages per poll: a burst bigger than this is caught up over the next polls. */
      maxLogPagesPerPoll: 3,
      /** Jobs the "follow which job?" picker offers. */
      recentJobs: 30,
    },
    /** The GitLab adapter (src/gitlab/): gitbeaker's own defaults retry for minutes; the UI answers in seconds. */
    gitlab: {
      /** Per request: the poller, not the request, decides when to try again. */
      queryTimeoutMs: 15_000,
      /** Tries per GET on 429/502/503/504, counting the first. */
      attempts: 3,
      /** The longest Retry-After waited inside one call; longer ones go back to the caller's backoff. */
      maxInlineRetryAfterMs: 3_000,
      /** Wait before a retry when GitLab sent no Retry-After, doubled per attempt. */
      retryBaseMs: 250,
      /** GitLab's largest page: the fewest requests per list. */
      pageSize: 100,
      /** Pipelines per project and page: the first page is refreshed, "Load more" fetches the next. */
      pipelinesPerPage: 20,
      /** Pages of one list read at once, once the first page says how many there are. */
      pagesParallel: 4,
      /** Per-runner requests (details, managers) are N+1: this many runners at a time (which ones: fleet.visibleRows). */
      perRunnerParallel: 4,
    },
    /** Google calls (src/gcp/): per call, answer within seconds; the poller or the user tries again. */
    google: {
      /** Listing VMs and acting on them; one retry rides over a blip. */
      compute: { timeout: 20_000, maxRetries: 1 },
      /** Compute's largest page: one request per 500 VMs. */
      computePageSize: 500,
      /** zoneOperations.wait answers after at most about 2 minutes, DONE or not: the caller waits again. */
      operationWait: { timeout: 150_000, maxRetries: 0 },
      /** A tail polls again soon anyway: one quick attempt per poll. */
      serial: { timeout: 10_000, maxRetries: 0 },
      /** A VM's tooltip waits for its guest attributes: it says they could not be read rather than hang. */
      guestAttributes: { timeout: 5_000, maxRetries: 0 },
      logging: { timeout: 10_000, maxRetries: 0 },
      /** Decrypting a secret to verify it. */
      kms: { timeout: 20_000, maxRetries: 1 },
      /** Cloud Storage (the Secrets view): its timeout in ms, its retries, and objects per page. */
      storage: { timeoutMs: 20_000, maxRetries: 1, pageSize: 1000 },
      /** The bootstrap checklist's read-only checks (KMS and Storage). */
      checklist: { timeout: 15_000, maxRetries: 1 },
      /**
       * Objects the checklist lists to see what the bucket holds: each worker VM needs its own
       * config.toml, so a fleet of 2,000 needs 2,000 names (a partial listing reported them missing).
       */
      checklistMaxObjects: 10_000,
      /** ZoneOperations.wait calls (each up to two minutes) before a worker VM's creation is said to be still running. */
      workerCreateWaits: 3,
      /** Secrets the checklist decrypt-checks per run (a download and a decrypt each); Verify All checks every one. */
      checklistMaxVerified: 20,
    },
    secrets: {
      /** Secrets verified at a time by "Verify All": KMS and Storage stay well under their quotas. */
      verifyParallel: 4,
      /**
       * Secrets re-encrypted at a time by a key rotation: each is 4 calls in a row (download, decrypt,
       * encrypt, upload, then a read-back), so 8 in flight hide the round trips without nearing a quota.
       */
      rotateParallel: 8,
    },
    correlation: {
      /** A VM that started this recently may still be starting its runner: no "runner offline" alarm yet. */
      bootGraceMs: 5 * 60_000,
    },
    /** Log writes reach the Runner Ops log's document asynchronously: how long Show Failure Details waits for its entry. */
    failureEntryWaitMs: 5_000,
    /** How long a status bar confirmation ("Copied runner id 12") stays. */
    statusMessageMs: 4_000,
  };
}

export type Pace = ReturnType<typeof paceFor>;

/** The Secrets and Checklist views: read when shown, refreshed or out of date, never on a timer; a failed read is retried. */
export function onDemand(views: Pace['views']): Pace['views'] {
  return { ...views, fastMs: Infinity, slowMs: Infinity };
}

/** The pace at the default settings. */
export const PACE: Pace = paceFor({ slowSeconds: SLOW_SECONDS.default });
