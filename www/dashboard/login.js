// The login page: say why the last attempt failed (?failed=...).
'use strict';
(function () {
  const why = new URLSearchParams(location.search).get('failed');
  if (!why) return;
  const p = document.getElementById('failed');
  p.textContent = why === 'throttled' ? 'Too many failed logins: wait a minute, then try again.' :
    why === 'origin' ? 'This login came from another site and was refused.' :
    'Wrong token.';
  p.hidden = false;
})();
