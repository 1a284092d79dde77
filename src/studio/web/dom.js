// Tiny DOM helpers: elements are built with createElement and text nodes, never from HTML
// strings, so prompts, comments and names from the ledger can never inject markup.

const svgNamespace = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. `attributes` may hold `class`, `dataset`, `style` (an object, applied
 * through CSSOM so the page's Content-Security-Policy can forbid inline styles), `on<event>`
 * handlers and plain attributes; falsy values are skipped. Children may be nested arrays.
 */
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** Like `h`, for SVG elements. */
export function s(tag, attributes = {}, ...children) {
  return build(document.createElementNS(svgNamespace, tag), attributes, children);
}

function build(element, attributes, children) {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'dataset') {
      for (const [name, data] of Object.entries(value))
        if (data !== undefined && data !== null) element.dataset[name] = String(data);
    } else if (key === 'style') {
      for (const [name, style] of Object.entries(value)) element.style.setProperty(name, String(style));
    } else if (value === true) {
      element.setAttribute(key, '');
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of [children].flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Whether a key press is meant for a text field rather than for the page's shortcuts. */
export function isTyping(event) {
  const target = event.target;
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}
