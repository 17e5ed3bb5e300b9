/**
 * Every operator log line the suite writes through the test harness, so a test can search them
 * (e.g. for a canary secret). Lines are kept per worker; tests only add to the list.
 */
export const capturedLogLines: string[] = [];

export const captureLog = {
  write(line: string) {
    capturedLogLines.push(line);
  },
};
