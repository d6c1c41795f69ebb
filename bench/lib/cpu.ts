/** CPU accounting over a phase, in CPU-seconds: this process, its main thread, and (on Linux) the whole machine. */
import { readFileSync } from 'node:fs';

export interface CpuUsage {
  /** Wall-clock seconds. */
  wall: number;
  process: number;
  mainThread: number;
  /** Busy CPU-seconds of every process on the machine; null where /proc/stat is missing. */
  machine: number | null;
}

/** Busy jiffies from /proc/stat's "cpu" line, in seconds (USER_HZ is 100 on Linux). */
function machineBusy(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return null;
  }
}

/** Starts measuring; call the result to read what was used since. */
export function cpuMeter(): () => CpuUsage {
  const start = performance.now();
  const proc = process.cpuUsage();
  const main = process.threadCpuUsage();
  const machine = machineBusy();
  return () => {
    const p = process.cpuUsage(proc);
    const m = process.threadCpuUsage(main);
    const now = machineBusy();
    return {
      wall: (performance.now() - start) / 1000,
      process: (p.user + p.system) / 1e6,
      mainThread: (m.user + m.system) / 1e6,
      machine: now === null || machine === null ? null : now - machine,
    };
  };
}

export function addUsage(a: CpuUsage, b: CpuUsage): CpuUsage {
  return {
    wall: a.wall + b.wall,
    process: a.process + b.process,
    mainThread: a.mainThread + b.mainThread,
    machine: a.machine === null || b.machine === null ? null : a.machine + b.machine,
  };
}

/** Where the machine's CPU went during a phase, as fractions of cpus × wall time. */
export interface CpuShares {
  threadPool: number;
  mainThread: number;
  /** The load generator's worker thread (0 when none ran). */
  loadGenerator: number;
  /** Everything else on the machine; null where unknown. */
  otherProcesses: number | null;
  idle: number | null;
}

export function cpuShares(used: CpuUsage, cpus: number, loadGeneratorSeconds = 0): CpuShares {
  const capacity = cpus * used.wall;
  const other = used.machine === null ? null : Math.max(0, used.machine - used.process);
  return {
    threadPool: (used.process - used.mainThread - loadGeneratorSeconds) / capacity,
    mainThread: used.mainThread / capacity,
    loadGenerator: loadGeneratorSeconds / capacity,
    otherProcesses: other === null ? null : other / capacity,
    idle: used.machine === null ? null : Math.max(0, 1 - used.machine / capacity),
  };
}

/** CPU-seconds the processes `pids` have used so far, threads included (Linux /proc; a process it cannot read counts 0). */
export function processesBusy(pids: number[]): number {
  let seconds = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after "pid (comm) ": state is the first, utime the 12th, stime the 13th (proc(5)).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // Gone, or not Linux.
    }
  }
  return seconds;
}
