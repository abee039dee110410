// A pipeline schedule's cron in words, for tooltips: "At 04:00, Monday through Friday".
// cronstrue is the well-kept parser for this (GitLab's cron syntax is standard 5-field cron).
import cronstrue from 'cronstrue';

export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return `cron ${cron}`;
  }
}
