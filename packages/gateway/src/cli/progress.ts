import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** A progress bar on a terminal; plain progress lines (every 10 %) otherwise (CI, pipes, logs). */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let nextReport = 0;
  return {
    update(done) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (percent >= nextReport) {
        stream.write(`${label}: ${done}/${total} (${percent}%)\n`);
        nextReport = percent - (percent % 10) + 10;
      }
    },
    stop() {},
  };
}
