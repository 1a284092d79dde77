// @ts-check
// Tiny DOM helpers: elements are built with createElement and text nodes, never from HTML
// strings, so prompts, comments and names from the ledger can never inject markup.

const svgNamespace = 'http://www.w3.org/2000/svg';

/** @typedef {Node | string | number | boolean | null | undefined} Leaf */

/**
 * What may be passed as children: nodes, text, numbers, and falsy values (skipped), in arrays
 * nested up to three deep (what `map` inside `map` makes).
 * @typedef {Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf | ReadonlyArray<Leaf>>>} Child
 */

/**
 * An event handler of an element built by `h` or `s`; `currentTarget` is that element.
 * @template {Element} E
 * @template {Event} V
 * @typedef {(event: V & { currentTarget: E }) => unknown} Handler
 */

/**
 * Attributes of an element built by `h` or `s`: `class`, `dataset`, `style` (an object applied
 * through CSSOM), `on<event>` handlers and plain attributes (`true` sets an empty value).
 * `undefined`, `null` and `false` skip the attribute.
 * @template {Element} E
 * @typedef {{
 *   class?: string | false | null,
 *   dataset?: Record<string, string | number | boolean | null | undefined>,
 *   style?: Record<string, string | number>,
 *   onclick?: Handler<E, MouseEvent>,
 *   ondblclick?: Handler<E, MouseEvent>,
 *   onchange?: Handler<E, Event>,
 *   oninput?: Handler<E, Event>,
 *   onkeydown?: Handler<E, KeyboardEvent>,
 *   [name: string]: unknown,
 * }} Attributes
 */

/**
 * Creates an element. `attributes` may hold `class`, `dataset`, `style` (an object, applied
 * through CSSOM so the page's Content-Security-Policy can forbid inline styles), `on<event>`
 * handlers and plain attributes; falsy values are skipped. Children may be nested arrays.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes<HTMLElementTagNameMap[K]>} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/**
 * Like `h`, for SVG elements.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes<SVGElementTagNameMap[K]>} [attributes]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attributes = {}, ...children) {
  return build(document.createElementNS(svgNamespace, tag), attributes, children);
}

/**
 * @template {HTMLElement | SVGElement} E
 * @param {E} element
 * @param {Record<string, unknown> | undefined} attributes
 * @param {Child[]} children
 * @returns {E}
 */
function build(element, attributes, children) {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (key === 'dataset') {
      for (const [name, data] of Object.entries(/** @type {Record<string, unknown>} */ (value)))
        if (data !== undefined && data !== null) element.dataset[name] = String(data);
    } else if (key === 'style') {
      for (const [name, style] of Object.entries(/** @type {Record<string, unknown>} */ (value)))
        element.style.setProperty(name, String(style));
    } else if (value === true) {
      element.setAttribute(key, '');
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * Appends children as `h` does: nodes as they are, other values as text, falsy ones skipped.
 * @template {ParentNode} P
 * @param {P} parent
 * @param {Child | readonly Child[]} children
 * @returns {P}
 */
export function append(parent, children) {
  /** @type {unknown[]} */
  const flat = [children].flat(Number.POSITIVE_INFINITY);
  for (const child of flat) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/**
 * Whether a key press is meant for a text field rather than for the page's shortcuts.
 * @param {Event} event
 */
export function isTyping(event) {
  const target = event.target;
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}
