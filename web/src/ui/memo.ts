// A small `memo`: re-render a function component only when a prop changed (shallow compare).

import { Component, h, type FunctionComponent } from 'preact';

/** Wraps `render` in a component whose shouldComponentUpdate compares props shallowly. */
export function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  class Memoised extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const prev = this.props as Record<string, unknown>;
      const nextProps = next as Record<string, unknown>;
      for (const key in nextProps) if (key !== 'children' && prev[key] !== nextProps[key]) return true;
      for (const key in prev) if (!(key in nextProps)) return true;
      return false;
    }
    override render(props: P) {
      return h(render as FunctionComponent<P>, props);
    }
  }
  return Memoised as unknown as FunctionComponent<P>;
}
