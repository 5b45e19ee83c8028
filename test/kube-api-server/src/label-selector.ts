/** A Kubernetes label selector (`a=b,c!=d,e,!f`), the equality-based forms. */
export type LabelSelector = (labels: Readonly<Record<string, string>> | undefined) => boolean;

export function parseLabelSelector(text: string | undefined): LabelSelector {
  const terms = (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term): LabelSelector => {
      const unequal = /^([^!=]+)!=(.*)$/.exec(term);
      if (unequal) return (labels) => labels?.[unequal[1]] !== unequal[2];
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) return (labels) => labels?.[equal[1]] === equal[2];
      if (term.startsWith('!')) return (labels) => labels?.[term.slice(1)] === undefined;
      return (labels) => labels?.[term] !== undefined;
    });
  return (labels) => terms.every((t) => t(labels));
}
