// Topic names run to 249 characters and the SDK takes group ids of 255: a name in a table, a heading or a
// form is shown cut with an ellipsis (console.css .long-name), whole in its title, so the page keeps its width.
import htm from 'htm';
import { h } from 'preact';

const html = htm.bind(h);

/** `name`, cut to the column's width; with `href`, a link. */
export function LongName({ name, href }) {
  return href
    ? html`<a class="long-name" href=${href} title=${name}>${name}</a>`
    : html`<span class="long-name" title=${name}>${name}</span>`;
}
