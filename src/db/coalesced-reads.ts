/** How a `CoalescedReads` groups reads. */
export interface CoalescedReadsOptions {
  /** Most reads in one batch (one statement). */
  maxBatch: number;
  /** Most batches running at once; reads that arrive meanwhile wait and go together into the next batch. */
  maxInFlight: number;
}

interface Pending<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads asked for in the same event-loop turn, or while earlier batches run, go to the database together: one call
 * of `readMany` (one statement, one round trip, one pool connection) for up to `maxBatch` of them. A lone read waits
 * for nothing but the end of the current turn; under load, batches grow with the number of reads waiting, so the
 * round trips per second stay bounded by `maxInFlight` batches instead of growing with the request rate (issue 15:
 * concurrent history reads each held a page-read connection for their round trips, and waited up to a second for
 * one on a busy process).
 *
 * `readMany` answers one output per input, in order; when it fails, every read of that batch fails with its error.
 */
export class CoalescedReads<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly readMany: (inputs: readonly I[]) => Promise<readonly O[]>,
    private readonly options: CoalescedReadsOptions,
  ) {}

  read(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Reads waiting for a batch (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // After the current turn, so every read asked for in it joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  /** Settles every read of `batch`; never rejects. */
  private async run(batch: ReadonlyArray<Pending<I, O>>): Promise<void> {
    try {
      const outputs = await this.readMany(batch.map(({ input }) => input));
      if (outputs.length !== batch.length)
        throw new Error(`a batch of ${batch.length} reads answered ${outputs.length} results`);
      batch.forEach(({ resolve }, index) => resolve(outputs[index]!));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
