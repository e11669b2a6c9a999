"use strict";
// The notice of a form just sent is said once: a reload, or the live view's refresh, should not say it again.
if (location.search.indexOf("done=") >= 0) {
  const url = new URL(location.href);
  url.searchParams.delete("done");
  history.replaceState(null, "", url);
}
// "Back" links go where the officer came from (a script, as the page's policy allows no javascript: links).
for (const link of document.querySelectorAll("a[data-back]")) {
  link.addEventListener("click", (event) => {
    if (history.length > 1) { event.preventDefault(); history.back(); }
  });
}
