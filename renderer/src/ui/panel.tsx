/** A titled region of the screen; its heading labels it for screen readers and e2e selectors. */
import type { ReactNode } from 'react';

/** A section with a heading, optional toolbar and content. */
export function Panel({
  id,
  title,
  tools,
  className,
  children,
}: {
  id: string;
  title: ReactNode;
  tools?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={`${id}-title`} data-testid={id} id={id}>
      <header className="panel-head">
        <h2 id={`${id}-title`} data-testid={`${id}-title`} title={typeof title === 'string' ? title : undefined}>
          {title}
        </h2>
        {tools && <div className="panel-tools">{tools}</div>}
      </header>
      {children}
    </section>
  );
}
