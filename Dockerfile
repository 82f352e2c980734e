# One image recipe for every service: docker compose passes SERVICE (Ingress.Api, Dispatcher.Worker, Messaging.Worker,
# Voice.Worker, TwilioEmulator or Admin.Web).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN dotnet publish "src/${SERVICE}" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG SERVICE
# Declared Production: the image refuses the local admin key and default passwords unless a deployment says otherwise
# (docker-compose.yml, the local stack, sets ASPNETCORE_ENVIRONMENT=Local).
ENV SERVICE_DLL="Aventora.${SERVICE}.dll" ASPNETCORE_URLS=http://+:8080 ASPNETCORE_ENVIRONMENT=Production
WORKDIR /app
COPY --from=build /app .
# The services run as the base image's unprivileged user (app, $APP_UID), never root. The folders volumes are mounted on are
# made its own, 0700, so a new named volume starts owned by it: the key ring stays readable by the services' user only.
RUN install -d -m 0700 -o "$APP_UID" -g "$APP_UID" /var/lib/aventora/keys /var/lib/aventora/console-keys /var/lib/aventora/spool
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec dotnet \"$SERVICE_DLL\""]
