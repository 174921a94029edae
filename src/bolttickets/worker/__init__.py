"""The booking worker: consumes the queue in batches, sweeps holds, reconciles stock."""
