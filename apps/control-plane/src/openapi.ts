import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { openApiComponentSchemas } from './http/openapi-schemas';

const HEALTH_ROUTES = ['/healthz', '/readyz', '/metrics'];

/**
 * OpenAPI generated from the controllers' decorators and the zod schemas
 * that validate and type each route: Swagger UI at /api/docs, JSON at
 * /api/docs-json.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Mediaplane control plane')
    .setDescription(
      'Streams, playback tokens, webhooks and the cluster view. Every route needs `Authorization: Bearer <MEDIAPLANE_ADMIN_TOKEN>` except public snapshots.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every app's operational routes (service-kit's HealthController) are not the API. They carry no Swagger decorator:
  // this is the only app that builds a document, and the others should not load @nestjs/swagger for it.
  for (const path of HEALTH_ROUTES) delete document.paths[path];
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...openApiComponentSchemas() } };
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
