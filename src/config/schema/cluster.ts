/** The cluster drivers' config: Kubernetes through the API server, Helm through its CLI. */
import { z } from 'zod';
import { duration } from './primitives.js';

/** Kubernetes: plain Deployments and Services, no CRDs; `{env}` works in `namespace`. */
export const kubernetesDriver = z
  .strictObject({
    type: z.literal('kubernetes'),
    kubeconfig: z
      .string()
      .optional()
      .describe('kubeconfig file, relative to rewind.yaml; default $KUBECONFIG, ~/.kube/config, then in-cluster'),
    context: z.string().optional().describe('kubeconfig context; default its current-context'),
    namespace: z.string().default('default').describe('namespace of the workload; {env} is replaced'),
    deployment: z.string().optional().describe('rolling and canary: the Deployment; default the service name'),
    service: z.string().optional().describe('bluegreen: the Service whose selector switches colour'),
    colorLabel: z.string().default('color').describe('bluegreen: the selector label that names the colour'),
    colors: z
      .tuple([z.string(), z.string()])
      .default(['blue', 'green'])
      .describe('bluegreen: the two colours; Deployments are <service>-<colour>'),
    canaryDeployment: z
      .string()
      .optional()
      .describe('canary: the second Deployment releases alternate with; default <deployment>-canary'),
    router: z
      .strictObject({
        type: z.enum(['istio', 'gateway-api']).describe('an Istio VirtualService or a Gateway API HTTPRoute'),
        name: z.string().describe('its name, in the same namespace'),
      })
      .optional()
      .describe('canary: whose weights move; its first route has one destination per Deployment (host or name)'),
    container: z.string().optional().describe('the container whose image is set; default the first one'),
    image: z.string().describe('image repository: `rewind deploy api v2` sets <image>:v2'),
    replicas: z.number().int().min(1).optional().describe('bluegreen: replicas of a colour; default the live colour’s'),
    timeout: duration('time limit of one rollout (the Deployment’s progress deadline fails it sooner)').default('5m'),
  })
  .describe('Kubernetes Deployments and Services through the API server');

/** Helm: a service is a Helm release, revisions are Helm revisions; runs the `helm` CLI on PATH. */
export const helmDriver = z
  .strictObject({
    type: z.literal('helm'),
    release: z.string().describe('the Helm release name'),
    chart: z.string().describe('chart reference: a directory (relative to rewind.yaml), repo/chart or an OCI URL'),
    namespace: z.string().default('default').describe('namespace of the release'),
    kubeconfig: z.string().optional().describe('kubeconfig file, relative to rewind.yaml; default helm’s own'),
    context: z.string().optional().describe('kubeconfig context (--kube-context)'),
    versionKey: z.string().default('image.tag').describe('the value `rewind deploy <service> <version>` sets'),
    set: z.record(z.string(), z.string()).default({}).describe('more --set key=value for every upgrade'),
    timeout: duration('--timeout of helm upgrade and rollback (both run with --wait)').default('5m'),
    helm: z.string().default('helm').describe('the helm binary'),
  })
  .describe('Helm 3 releases through the helm CLI');
