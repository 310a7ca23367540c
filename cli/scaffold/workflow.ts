// `leash init` template: .github/workflows/leash.yml, a GitHub Actions job that checks the
// policies, runs their tests and keeps the JUnit report as an artifact, pass or fail.

export const WORKFLOW = `name: leash

on:
  push:
  pull_request:

jobs:
  policies:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
      - run: npx leash check policies
      - run: npx leash test policies --format junit > leash-junit.xml
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: leash-junit
          path: leash-junit.xml
`;
