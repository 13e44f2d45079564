/*
 * Accessibility checks of parts of the page with axe-core: the WCAG 2.0 and 2.1 rules of levels
 * A and AA, each violation told as a line a person can act on.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type { AnyPage } from './common';

/** The rules checked: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One violation: what rule, how bad, what to do, and where (each node's CSS target and what is wrong there). */
export interface IViolation {
  id: string;
  impact: string;
  help: string;
  helpUrl: string;
  nodes: { target: string; why: string }[];
}

/** A violation in one line: `id (impact): help <url> at target [why] | target [why]…`. */
export function describeViolation(v: IViolation): string {
  const nodes = v.nodes.map(n => `${n.target} [${n.why}]`);
  return `${v.id} (${v.impact}): ${v.help} <${v.helpUrl}> at ${nodes.join(' | ')}`;
}

/** axe-core on the page, scoped to the parts `include` selects (CSS selectors). */
export class Accessibility {
  constructor(readonly page: AnyPage) {}

  /**
   * The WCAG 2 A and AA violations inside the elements `include` selects (all of them must
   * exist: axe refuses a context that selects nothing). Nothing is excluded and no rule is
   * turned off.
   */
  async violations(include: string | string[]): Promise<IViolation[]> {
    let builder = new AxeBuilder({ page: this.page as Page }).withTags(WCAG_TAGS);
    for (const selector of Array.isArray(include) ? include : [include]) {
      builder = builder.include(selector);
    }
    const results = await builder.analyze();
    if (!results.passes.length && !results.violations.length) {
      // A hidden part is checked for nothing: that must not read as a pass.
      throw new Error(`axe found nothing to check in ${String(include)}: is it shown?`);
    }
    return results.violations.map(v => ({
      id: v.id,
      impact: v.impact ?? 'unknown',
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({
        target: n.target.map(t => (Array.isArray(t) ? t.join(' >> ') : String(t))).join(' >> '),
        // The failed checks' messages ("ARIA attribute is not allowed: aria-sort=…").
        why: [...n.any, ...n.all, ...n.none].map(c => c.message).join('; ')
      }))
    }));
  }
}
