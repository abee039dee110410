// Every integration suite, in the order they run (each leaves settings as it found them). The reload
// suite runs last: it reloads the window, and the run goes on with its second test only.
import './activation.test';
import './sign-in.test';
import './sidebar.test';
import './palette.test';
import './tails.test';
import './secrets.test';
import './rotation.test';
import './checklist.test';
import './bootstrap.test';
import './failures.test';
import './rows.test';
import './reprovision.test';
import './token-rotation.test';
import './insights.test';
import './token-consent.test';
import './whole-run-leak-scan.test';
// Last: it reloads the window, and nothing after it runs in the old one.
import './reprovision-reload.test';
