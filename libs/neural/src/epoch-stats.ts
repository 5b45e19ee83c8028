/** One epoch of training, as the trainer reports it and a checkpoint keeps it. */
export interface EpochStats {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy: number;
  /** On the validation images after the epoch; absent without them. */
  valLoss?: number;
  valAccuracy?: number;
  /** Wall time of the epoch's training steps. */
  seconds: number;
  imagesPerSecond: number;
}
