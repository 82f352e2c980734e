# One image recipe for every service: docker compose passes SERVICE (Ingress.Api, Dispatcher.Worker, Messaging.Worker,
# Voice.Worker, TwilioEmulator or Admin.Web).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN dotnet publish "src/${SERVICE}" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG SERVICE
ENV SERVICE_DLL="Aventora.${SERVICE}.dll" ASPNETCORE_URLS=http://+:8080
WORKDIR /app
COPY --from=build /app .
EXPOSE 8080
ENTRYPOINT ["sh", "-c", "exec dotnet \"$SERVICE_DLL\""]
