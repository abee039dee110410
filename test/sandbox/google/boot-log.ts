// Console text a Debian 12 GCE image prints, formatted the way the serial port shows it.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov 25 06:33:12` as journald prints on the console. */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function kernelLines(hostname: string, memoryMb: number): string[] {
  const k = (t: number, text: string) => `[${t.toFixed(6).padStart(12)}] ${text}`;
  return [
    'SeaBIOS (version 1.8.2-google)',
    'Total RAM Size = 0x0000000200000000 = 8192 MiB',
    'Booting from Hard Disk 0...',
    k(
      0,
      'Linux version 6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)',
    ),
    k(
      0,
      'Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-cloud-amd64 root=PARTUUID=6f4b3a7e-01 ro console=ttyS0,115200 earlyprintk=ttyS0,115200 net.ifnames=0',
    ),
    k(0.000001, `Memory: ${memoryMb * 1024 - 180_000}K/${memoryMb * 1024}K available`),
    k(0.41052, 'smpboot: CPU0: Intel(R) Xeon(R) CPU @ 2.20GHz (family: 0x6, model: 0x4f, stepping: 0x0)'),
    k(1.201733, 'virtio_net virtio1 eth0: renamed from ens4'),
    k(1.84913, 'EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.'),
    k(2.30217, `systemd[1]: Hostname set to <${hostname}>.`),
  ];
}

export function systemdLines(time: string, hostname: string): string[] {
  return [
    `${time} ${hostname} systemd[1]: Started systemd-journald.service - Journal Service.`,
    `${time} ${hostname} systemd[1]: Starting google-guest-agent.service - Google Compute Engine Guest Agent...`,
    `${time} ${hostname} google_guest_agent[421]: GCE Agent Started (version 20241007.00)`,
    `${time} ${hostname} systemd[1]: Started google-guest-agent.service - Google Compute Engine Guest Agent.`,
    `${time} ${hostname} systemd[1]: Started docker.service - Docker Application Container Engine.`,
    `${time} ${hostname} systemd[1]: Starting google-startup-scripts.service - Google Compute Engine Startup Scripts...`,
    `${time} ${hostname} google_metadata_script_runner[812]: Starting startup scripts (version 20241007.00).`,
    `${time} ${hostname} google_metadata_script_runner[812]: Found startup-script in metadata.`,
  ];
}

export function shutdownLines(time: string, hostname: string): string[] {
  return [
    `${time} ${hostname} systemd[1]: Stopping docker.service - Docker Application Container Engine...`,
    `${time} ${hostname} systemd[1]: Stopped google-guest-agent.service - Google Compute Engine Guest Agent.`,
    `${time} ${hostname} systemd-shutdown[1]: Syncing filesystems and block devices.`,
    `${time} ${hostname} systemd-shutdown[1]: Sending SIGTERM to remaining processes...`,
    '[   OK   ] Reached target power-off - System Power Off.',
  ];
}

/** gitlab-runner's aligned "message   key=value" log format. */
export function runnerLogLine(
  level: 'INFO' | 'WARNING' | 'ERROR' | 'FATAL',
  message: string,
  fields: Record<string, string | number> = {},
): string {
  const prefix = level === 'INFO' ? '' : `${level}: `;
  const kv = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return kv ? `${`${prefix}${message}`.padEnd(51)} ${kv}` : `${prefix}${message}`;
}
