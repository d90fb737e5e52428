// Runs before the page paints (loaded without defer): marks that script runs, so the phone menu starts closed
// only when the button that opens it works. A file, not an inline script: the CSP allows no inline script.
document.documentElement.classList.add("js");
