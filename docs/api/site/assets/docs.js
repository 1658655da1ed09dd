'use strict';
const root = document.getElementById('swagger-ui');
const embedded = document.getElementById('openapi-document');
window.ui = SwaggerUIBundle({
  dom_id: '#swagger-ui',
  ...(embedded ? { spec: JSON.parse(embedded.textContent) } : { url: root.dataset.specUrl }),
  validatorUrl: null,
  deepLinking: false,
  defaultModelsExpandDepth: 0,
  syntaxHighlight: false,
  supportedSubmitMethods: root.dataset.tryIt === 'true' ? ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] : [],
});
