import { type NeuralJobKind } from '../../neural-job-kind';
import { activationsKind } from './activations';
import { adversarialKind } from './adversarial';
import { classModelKind } from './class-model';
import { deepDreamKind } from './deep-dream';
import { filtersKind } from './filters';
import { guidedBackpropKind } from './guided-backprop';
import { neuralStyleKind } from './neural-style';
import { saliencyKind } from './saliency';
import { visualBackpropKind } from './visualbackprop';

/** The visualization techniques as job kinds, in the order the README and `gpulab kinds` list them. */
export const VISUALIZATION_KINDS: readonly NeuralJobKind[] = [filtersKind, activationsKind, saliencyKind, guidedBackpropKind, classModelKind, deepDreamKind, neuralStyleKind, visualBackpropKind, adversarialKind];
