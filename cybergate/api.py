"""Customer API v1 routes, the OpenAPI schema and Swagger UI (filled in by the customer API issue)."""

urlpatterns: list = []
