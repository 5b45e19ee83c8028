import { type Tf, tfjs } from '../tfjs';
import { type ReluReplacement } from './layer-chain';

/** A ReLU with guided backpropagation's gradient rule, and what its backward passes let through. */
export interface GuidedRelu {
  apply: ReluReplacement;
  /** ReLUs the backward pass went through since the last {@link take}. */
  passes(): number;
  /** The smallest gradient any of them passed down (≥ 0 by the rule; +∞ when none ran), and resets. */
  take(): number;
}

/**
 * Springenberg et al. (2015): forward it is a ReLU; backward it passes the gradient only where
 * both the forward input and the gradient from above are positive, i.e. the ReLU's own mask and
 * the deconvnet's combined. Each backward pass keeps the minimum of what it passed (one scalar)
 * so the caller can show the rule held without a second pass.
 */
export function guidedRelu(): GuidedRelu {
  const tf = tfjs();
  const minima: Tf.Tensor[] = [];
  const relu = tf.customGrad((...args: (Tf.Tensor | Tf.GradSaveFunc)[]) => {
    const [x, save] = args as [Tf.Tensor, Tf.GradSaveFunc];
    save([x]);
    return {
      value: tf.relu(x),
      gradFunc: (g: Tf.Tensor, saved: Tf.Tensor[]) => {
        const passed = tf.mul(g, tf.logicalAnd(tf.greater(saved[0], 0), tf.greater(g, 0)));
        minima.push(tf.keep(tf.min(passed)));
        return passed;
      },
    };
  });
  return {
    apply: (x) => relu(x) as Tf.Tensor,
    passes: () => minima.length,
    take: () => {
      const smallest = minima.reduce((m, t) => Math.min(m, t.dataSync()[0]), Infinity);
      tf.dispose(minima.splice(0));
      return smallest;
    },
  };
}
