export { activeBackend, BACKENDS, type BackendInfo, type BackendName, initBackend, installedBackends } from './backend';
export { buildCnn, CNN_DEFAULTS, type CnnOptions } from './cnn';
export { CONFUSION_CHART_MAX_CLASSES, confusionChartPng, confusionChartSvg, confusionMatrix } from './confusion-chart';
export { BackendUnavailableError, BenchmarkFailedError } from './errors';
export { benchmarkKind } from './benchmark/benchmark-kind';
export { BENCHMARK_DEFAULTS, BENCHMARK_MODELS, BENCHMARK_PARAMS, type BenchmarkModel, type BenchmarkParams, compileBenchmarkParams } from './benchmark/benchmark-params';
export { buildMobileNetV2 } from './benchmark/mobilenet-v2';
export { buildResNet50, type ImageNetModelOptions } from './benchmark/resnet50';
export { formatImageShape, type ImageShape, imageShapeParam } from './image-shape';
export { layerNames, loadModelFromFiles, MODEL_FILE_NAMES, type ModelFiles, saveModelFiles } from './model-files';
export { type NeuralJobKind } from './neural-job-kind';
export { neuralJobKinds } from './neural-job-kinds';
export { trainClassifierKind } from './kinds/train-classifier-kind';
export { compileTrainClassifierParams, TRAIN_CLASSIFIER_DEFAULTS, type TrainClassifierParams } from './kinds/train-classifier-params';
export {
  type BatchProgress,
  type CheckpointStore,
  type EpochStats,
  type Evaluation,
  evaluateClassifier,
  type LabelledImages,
  LEARNING_RATE_SCHEDULES,
  type LearningRateSchedule,
  trainClassifier,
  TRAINER_DEFAULTS,
  type TrainerOptions,
  type TrainingRun,
} from './trainer';
export { trainingChartPng, trainingChartSvg, type TrainingChartOptions } from './training-chart';
export { tfjs, type Tf } from './tfjs';
export * from './techniques';
export * from './images';
export { VISUALIZATION_KINDS } from './visualization/kinds';
export { readUploadedModel, type UploadedModel } from './model-upload';
export { acceleratedTsneKind, tensorTsneAccelerate } from './tsne/accelerated-tsne-kind';
export { TensorTsneAccelerator, type TensorTsneOptions } from './tsne/tensor-tsne-accelerator';
export { TensorTsneGradient } from './tsne/tensor-tsne-gradient';
export { chooseTsnePath, TSNE_GPU_BACKENDS } from './tsne/tsne-path';
