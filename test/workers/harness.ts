// The main worker of the workers test project: it only forwards to the detector worker, so test
// files stay small (workerd imports large binaries slowly into each test file).
export default {
  async fetch(): Promise<Response> {
    return new Response('harness', { status: 200 });
  },
};
